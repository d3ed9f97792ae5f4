// The chat page's outbox: every message the user sends goes through it, so none is ever dropped silently.
//
// - Messages go out one at a time, in order, each waiting for the server's ack. The socket is created with the
//   client's `retries` and `ackTimeout` options: the message in flight when the connection drops is sent again
//   after the reconnection, and the ones typed while disconnected wait here until the socket is connected.
// - A message the server refuses is shown as not sent, with the reason in words and a Retry button. When the
//   rate limit refuses one ("You are sending messages too fast — retry in 3 s"), the messages queued behind it
//   are not sent either (they would be refused the same way): all are marked, and "Retry all" sends them again
//   at the pace the server allows (a retried message that meets the limit waits `retryAfter` and goes again).
// - Each message ends delivered (the tick) or visibly not sent, with its Retry.
import { el } from './ui.js';
import { notSent, retryIn } from './reasons.js';

const TITLES = { waiting: 'Waiting for the connection', sending: 'Sending…', delivered: 'Delivered', failed: 'Not sent' };

/** One message on its way: its event and payload, the message shown, and its list item. */
class Entry {
  constructor(seq, event, payload, local, li) {
    this.seq = seq;
    this.event = event;
    this.payload = payload;
    this.local = local;
    this.li = li;
    /** `queued`, `sending`, `delivered` or `failed` */
    this.state = 'queued';
    /** sent again by the user: waits out the rate limit instead of failing */
    this.paced = false;
    /** why it was not sent: `{ rateLimited, text }` */
    this.failure = null;
    /** the try whose ack is awaited (an ack of an abandoned try is ignored) */
    this.attempt = 0;
  }
}

export class Outbox {
  /**
   * @param opts `render(local, state)` appends the message and returns its list item; `onDelivered(local, res)`
   * is called with the server's ack; `anchor` is the element the "not sent" notice goes before (the composer)
   */
  constructor({ render, onDelivered, anchor }) {
    this.render = render;
    this.onDelivered = onDelivered;
    this.socket = null;
    this.online = false;
    this.seq = 0;
    this.attempts = 0;
    /** waiting to be sent, in order (the head may be in flight) */
    this.queue = [];
    /** refused, waiting for a Retry */
    this.failed = [];
    this.inFlight = null;
    /** no message goes out before this time (the rate limit's `retryAfter`) */
    this.pausedUntil = 0;
    /** after a refusal, the time between two messages sent again (learnt from `retryAfter`), and the last send */
    this.gap = 0;
    this.lastSent = 0;
    this.timer = null;
    this.clock = null;
    this.notice = el('div', { className: 'outbox-notice', id: 'outbox-notice', hidden: true, role: 'status' }, [
      el('span', { className: 'outbox-notice-text' }),
      el('button', { type: 'button', className: 'btn btn-small', textContent: 'Retry all', onclick: () => this.retryAll() }),
    ]);
    anchor.before(this.notice);
  }

  /** Sends through this socket from now on (a new socket after signing in again); a try on the old one is abandoned. */
  attach(socket) {
    if (this.inFlight) this.abandon();
    this.socket = socket;
    this.setOnline(socket.connected);
  }

  /** The connection is up (`connect`) or down (`disconnect`): queued messages go out, or say they wait. */
  setOnline(online) {
    this.online = online;
    for (const e of this.queue) this.mark(e);
    this.pump();
  }

  /**
   * Queues a message and shows it at once (a clock until the server's ack).
   * @param event `message` or `image`
   * @param payload what is emitted
   * @param local the message as shown (its `at` becomes the server's)
   */
  send(event, payload, local) {
    const entry = new Entry(this.seq++, event, payload, local, this.render(local, 'pending'));
    this.queue.push(entry);
    this.mark(entry);
    this.pump();
    return entry;
  }

  /** The list items of the messages of `room` not delivered yet, in order (to show again after the list is rebuilt). */
  itemsOf(room) {
    return [...this.queue, ...this.failed]
      .filter((e) => e.local.room === room)
      .sort((a, b) => a.seq - b.seq)
      .map((e) => e.li);
  }

  /** How many messages are waiting or refused. */
  get size() {
    return this.queue.length + this.failed.length;
  }

  /** Forgets everything (signed out on purpose). */
  clear() {
    this.queue = [];
    this.failed = [];
    this.inFlight = null;
    this.socket = null;
    clearTimeout(this.timer);
    this.updateNotice();
  }

  /** Sends one refused message again. */
  retry(entry) {
    const i = this.failed.indexOf(entry);
    if (i < 0) return;
    this.failed.splice(i, 1);
    this.requeue(entry);
    this.updateNotice();
    this.pump();
  }

  /** Sends every refused message again, in order, at the server's pace. */
  retryAll() {
    const all = this.failed.sort((a, b) => a.seq - b.seq);
    this.failed = [];
    for (const e of all) this.requeue(e);
    this.updateNotice();
    this.pump();
  }

  requeue(entry) {
    entry.paced = true;
    entry.failure = null;
    entry.state = 'queued';
    entry.li.querySelector('.send-error')?.remove();
    // back in its place among the queued messages (never before the one in flight)
    let at = this.queue.length;
    while (at > (this.inFlight ? 1 : 0) && this.queue[at - 1].seq > entry.seq) at--;
    this.queue.splice(at, 0, entry);
    this.mark(entry);
  }

  /** Sends the head of the queue when connected, nothing is in flight and the rate limit's wait is over. */
  pump() {
    if (this.inFlight || !this.socket || !this.online || !this.socket.connected || this.queue.length === 0) return;
    const entry = this.queue[0];
    // messages sent again go at the pace the server allows, instead of meeting its limit at each one
    const wait = Math.max(this.pausedUntil, entry.paced ? this.lastSent + this.gap : 0) - Date.now();
    if (wait > 0) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.pump(), wait);
      return;
    }
    this.lastSent = Date.now();
    const attempt = ++this.attempts;
    entry.attempt = attempt;
    entry.state = 'sending';
    this.inFlight = entry;
    this.mark(entry);
    // with the socket's `retries`, the ack is `(err, res)`: err once every try went unanswered
    this.socket.emit(entry.event, entry.payload, (err, res) => {
      if (entry.attempt !== attempt || this.inFlight !== entry) return;
      this.inFlight = null;
      this.settle(entry, err, res);
      this.pump();
    });
  }

  settle(entry, err, res) {
    if (!err && res && res.ok) {
      this.queue.shift();
      entry.state = 'delivered';
      entry.local.at = res.at ?? entry.local.at;
      this.mark(entry);
      this.onDelivered(entry.local, res);
      if (this.size === 0) this.gap = 0;
      return;
    }
    const why = notSent(err, res);
    if (why.rateLimited) {
      this.pausedUntil = Date.now() + Math.max(why.retryAfter, 20);
      this.gap = Math.min(1000, Math.max(this.gap, why.retryAfter));
      if (entry.paced) {
        // sent again on purpose: wait for the server's pace and go again
        entry.state = 'queued';
        this.mark(entry);
        return;
      }
      // the rest of a burst would meet the limit too: none of it is sent, all of it is shown
      const held = this.queue.filter((e) => !e.paced);
      this.queue = this.queue.filter((e) => e.paced);
      for (const e of held) this.fail(e, why);
    } else {
      this.queue.shift();
      this.fail(entry, why);
    }
    this.updateNotice();
  }

  fail(entry, why) {
    entry.state = 'failed';
    entry.failure = why;
    this.failed.push(entry);
    this.mark(entry);
    let box = entry.li.querySelector('.send-error');
    if (!box) {
      box = el('div', { className: 'send-error', role: 'alert' }, [
        el('span', { className: 'send-error-text' }),
        el('button', { type: 'button', className: 'btn btn-small retry', textContent: 'Retry', onclick: () => this.retry(entry) }),
      ]);
      (entry.li.querySelector('.message-body') || entry.li).append(box);
    }
    this.describe(entry);
  }

  describe(entry) {
    const box = entry.li.querySelector('.send-error-text');
    if (!box || !entry.failure) return;
    const wait = this.pausedUntil - Date.now();
    box.textContent = entry.failure.rateLimited
      ? `Not sent: ${entry.failure.text} — ${retryIn(wait)}`
      : `Not sent: ${entry.failure.text}`;
  }

  /** The message's state on its list item (`data-state`, the tick's title, `data-outbox` while on its way). */
  mark(entry) {
    const li = entry.li;
    const tick = li.querySelector('.tick');
    if (entry.state === 'delivered' || entry.state === 'failed') {
      li.dataset.state = entry.state;
      delete li.dataset.outbox;
      if (tick) tick.title = TITLES[entry.state];
      return;
    }
    const waiting = !this.online || !this.socket || !this.socket.connected;
    li.dataset.state = 'pending';
    li.dataset.outbox = waiting ? 'waiting' : entry.state;
    if (tick) tick.title = waiting ? TITLES.waiting : TITLES.sending;
  }

  /** The line above the composer: how many messages were not sent, why, and "Retry all". */
  updateNotice() {
    const n = this.failed.length;
    this.notice.hidden = n === 0;
    clearInterval(this.clock);
    this.clock = null;
    if (n === 0) return;
    const render = () => {
      const wait = this.pausedUntil - Date.now();
      const limited = this.failed.some((e) => e.failure.rateLimited);
      const what = n === 1 ? '1 message not sent' : `${n} messages not sent`;
      this.notice.querySelector('.outbox-notice-text').textContent = limited
        ? `${what}: you are sending messages too fast — ${retryIn(wait)}`
        : `${what}`;
      for (const e of this.failed) this.describe(e);
      if (wait <= 0 && this.clock) {
        clearInterval(this.clock);
        this.clock = null;
      }
    };
    this.clock = setInterval(render, 1000);
    render();
  }

  /** The socket was replaced while a message was in flight: it goes again on the new one. */
  abandon() {
    const entry = this.inFlight;
    this.inFlight = null;
    entry.attempt = 0;
    entry.state = 'queued';
    this.mark(entry);
  }
}
