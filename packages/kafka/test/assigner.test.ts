import kafkajs from 'kafkajs';
import { assignPartitions, subscriptionAwareAssigner, ASSIGNER_NAME } from '../src/assigner.js';

describe('subscription-aware assignment', () => {
  it('gives each topic only to its own subscribers, round-robin', () => {
    const plan = assignPartitions([
      { topic: 'a', partitions: [3, 0, 1, 2], members: ['m2', 'm1'] },
      { topic: 'b', partitions: [0, 1], members: ['m3'] },
    ]);
    expect(plan.get('m1')).toEqual({ a: [0, 2] });
    expect(plan.get('m2')).toEqual({ a: [1, 3] });
    expect(plan.get('m3')).toEqual({ b: [0, 1] });
  });

  it('reads subscriptions from the JoinGroup metadata and encodes assignments', async () => {
    const { MemberMetadata, MemberAssignment } = kafkajs.AssignerProtocol;
    const cluster = {
      addMultipleTargetTopics: async () => undefined,
      findTopicPartitionMetadata: (topic: string) =>
        Array.from({ length: topic === 'a' ? 2 : 1 }, (_, i) => ({
          partitionId: i,
          leader: 1,
          partitionErrorCode: 0,
          replicas: [],
          isr: [],
        })),
    };
    const assigner = subscriptionAwareAssigner({ cluster, groupId: 'g', logger: {} } as unknown as Parameters<
      typeof subscriptionAwareAssigner
    >[0]);
    expect(assigner.name).toBe(ASSIGNER_NAME);
    const meta = (topics: string[]) =>
      MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) });
    const out = await assigner.assign({
      members: [
        { memberId: 'x', memberMetadata: meta(['a']) },
        { memberId: 'y', memberMetadata: meta(['b']) },
      ],
      topics: ['a'],
    });
    const decoded = Object.fromEntries(
      out.map((o) => [o.memberId, MemberAssignment.decode(o.memberAssignment)?.assignment]),
    );
    expect(decoded).toEqual({ x: { a: [0, 1] }, y: { b: [0] } });
    expect(MemberMetadata.decode(assigner.protocol({ topics: ['a'] }).metadata)?.topics).toEqual(['a']);
  });
});
