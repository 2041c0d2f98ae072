import kafkajs from 'kafkajs';
import type { Assigner, GroupMember, GroupMemberAssignment, PartitionAssigner } from 'kafkajs';

const { AssignerProtocol } = kafkajs;

/** The group protocol name of {@link subscriptionAwareAssigner}. */
export const ASSIGNER_NAME = 'EventPortRoundRobin';

/**
 * Round-robin assignment that respects what each member subscribed to.
 *
 * In EventPort a group is per topic: consumers of two topics may use the same group name and must
 * not see each other's events. Kafka keeps one group per name, so such consumers become members of
 * one group with different subscriptions. kafkajs' own round-robin assigner hands every member a
 * share of the *leader's* topics, whatever that member subscribed to; a member then drops
 * partitions of topics it does not read and they go unconsumed. This assigner reads each member's
 * subscription from its JoinGroup metadata and spreads each topic's partitions over that topic's
 * subscribers only (sorted member ids, partitions in order), like the Java client's assignors do.
 *
 * Consumers list it first and kafkajs' RoundRobinAssigner second, so a group shared with plain
 * kafkajs consumers still agrees on a protocol.
 */
export const subscriptionAwareAssigner: PartitionAssigner = ({ cluster }) => {
  const assigner: Assigner = {
    name: ASSIGNER_NAME,
    version: 0,
    async assign({
      members,
    }: {
      members: GroupMember[];
      topics: string[];
    }): Promise<GroupMemberAssignment[]> {
      const subscribers = new Map<string, string[]>();
      for (const m of members) {
        const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
        for (const topic of meta?.topics ?? []) {
          const list = subscribers.get(topic) ?? [];
          list.push(m.memberId);
          subscribers.set(topic, list);
        }
      }
      const topics = [...subscribers.keys()].sort();
      if (topics.length > 0) await cluster.addMultipleTargetTopics(topics);
      const plan = assignPartitions(
        topics.map((topic) => ({
          topic,
          partitions: cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId),
          members: subscribers.get(topic)!,
        })),
      );
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: plan.get(memberId) ?? {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }: { topics: string[] }) {
      return {
        name: ASSIGNER_NAME,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
      };
    },
  };
  return assigner;
};

/** Pure assignment: each topic's partitions round-robin over its own subscribers (both sorted). */
export function assignPartitions(
  topics: readonly { topic: string; partitions: readonly number[]; members: readonly string[] }[],
): Map<string, Record<string, number[]>> {
  const plan = new Map<string, Record<string, number[]>>();
  for (const { topic, partitions, members } of topics) {
    const sorted = [...new Set(members)].sort();
    if (sorted.length === 0) continue;
    [...partitions]
      .sort((a, b) => a - b)
      .forEach((partition, i) => {
        const member = sorted[i % sorted.length]!;
        const byTopic = plan.get(member) ?? {};
        (byTopic[topic] ??= []).push(partition);
        plan.set(member, byTopic);
      });
  }
  return plan;
}
