/** `node --import ./bench/lib/ts-register.mjs`: installs the hooks of ts-hooks.mjs. */
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
