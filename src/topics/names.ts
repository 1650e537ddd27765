import { invalidInput } from '../errors.js';

/** Kafka's rule (org.apache.kafka.common.internals.Topic): 1–249 chars of [a-zA-Z0-9._-], not '.' or '..'. */
const LEGAL = /^[a-zA-Z0-9._-]{1,249}$/;

export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Topic name is empty.';
  if (name === '.' || name === '..') return `Topic name cannot be '.' or '..'.`;
  if (name.length > 249) return `Topic name is ${name.length} characters long; the maximum is 249.`;
  if (!LEGAL.test(name)) return `Topic name '${name}' is illegal: it may contain only ASCII alphanumerics, '.', '_' and '-'.`;
  return undefined;
}

export function assertValidTopicName(name: string): void {
  const problem = topicNameProblem(name);
  if (problem) throw invalidInput(problem);
}

/** Topics whose names start with `__` are internal (as Kafka's `__consumer_offsets`). */
export const isInternalTopic = (name: string): boolean => name.startsWith('__');
