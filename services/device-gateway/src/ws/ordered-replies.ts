/**
 * The replies of one WebSocket connection, sent in the order their messages arrived. Message handling is
 * asynchronous (a punch is acked only after its group commit; a ping or an invalid frame is answered sooner),
 * so without this a nack or a pong could overtake the ack of an earlier message and a client that matches
 * answers by order, or counts acks to forget its backlog, would be misled. Each message reserves its place
 * on arrival; a reply goes out once every earlier place has been filled (or passed with `null`).
 */
export class OrderedReplies<T> {
  private readonly waiting: { filled: boolean; reply: T | null }[] = [];

  constructor(private readonly send: (reply: T) => void) {}

  /** Reserves the next place; call the returned function once with the reply, or with null to send nothing. */
  reserve(): (reply: T | null) => void {
    const place = { filled: false, reply: null as T | null };
    this.waiting.push(place);
    return (reply) => {
      if (place.filled) return;
      place.filled = true;
      place.reply = reply;
      this.flush();
    };
  }

  /** Places reserved whose reply has not gone out yet (a metric, and for tests). */
  get pending(): number {
    return this.waiting.length;
  }

  private flush(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.filled) {
      const { reply } = this.waiting.shift()!;
      if (reply !== null) this.send(reply);
    }
  }
}
