/**
 * Kafka's rule for `group.instance.id` (KIP-345): the legal characters and length of a topic
 * name, and neither `.` nor `..`. One schema for every transport that takes it.
 */
export const GroupInstanceId = {
  type: 'string',
  pattern: '^(?!\\.\\.?$)[a-zA-Z0-9._-]{1,249}$',
} as const;
