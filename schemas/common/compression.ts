/** Request headers of every produce route: the producer's codec, used when the topic's `compression.type` is `producer`. */
export const ProduceHeaders = {
  type: 'object',
  properties: {
    'compression-type': {
      type: 'string',
      enum: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
      description:
        "The codec to store this request's records with when the topic's compression.type is producer (Kafka's producer setting of that name); the topic's own codec wins otherwise. Default none.",
    },
  },
} as const;
