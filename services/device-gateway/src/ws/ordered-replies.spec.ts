import { OrderedReplies } from './ordered-replies';

describe(OrderedReplies.name, () => {
  it('holds a reply until every earlier place is filled, then sends them in reservation order', () => {
    const sent: string[] = [];
    const replies = new OrderedReplies<string>((reply) => sent.push(reply));
    const [ack1, pong, nack, ack2] = [replies.reserve(), replies.reserve(), replies.reserve(), replies.reserve()];
    pong('pong');
    nack('nack');
    expect(sent).toEqual([]);
    ack1('ack-1');
    expect(sent).toEqual(['ack-1', 'pong', 'nack']);
    ack2('ack-2');
    expect(sent).toEqual(['ack-1', 'pong', 'nack', 'ack-2']);
    expect(replies.pending).toBe(0);
  });

  it('a place passed with null sends nothing and does not block the later ones; a second fill is ignored', () => {
    const sent: string[] = [];
    const replies = new OrderedReplies<string>((reply) => sent.push(reply));
    const first = replies.reserve();
    const second = replies.reserve();
    second('b');
    first(null);
    first('late');
    expect(sent).toEqual(['b']);
  });
});
