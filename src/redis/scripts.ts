import { readFileSync } from 'node:fs';
import type { RedisConnection } from './connection.js';

/** A script argument as Redis receives it. */
export type ScriptArg = string | number | Buffer;

/** A Lua script file and how many of its arguments are keys (undefined: the caller gives the keys each call). */
export interface ScriptSpec {
  file: string;
  keys?: number;
}

/** A loaded script: called with its keys and arguments, resolving with its reply as `T`. */
export type Script<T> = (keys: readonly string[], ...args: ScriptArg[]) => Promise<T>;

let defined = 0;

/**
 * Loads Lua scripts from `dir` onto a connection, once each, and returns them as typed functions
 * (BullMQ's script loader is the model). ioredis sends a script by SHA and loads it again when a
 * node does not know it; under Redis Cluster it routes each call by its keys, which is why scripts
 * take every key they touch as KEYS and never build key names inside Lua.
 *
 *   const scripts = loadScripts<{ append: number[] }>(redis, new URL('./scripts/', import.meta.url), { append: { file: 'append', keys: 4 } });
 *   await scripts.append([stream, meta, index, watched], ...args);
 */
export function loadScripts<T extends Record<string, unknown>>(
  redis: RedisConnection,
  dir: URL,
  specs: { [K in keyof T]: ScriptSpec },
): { [K in keyof T]: Script<T[K]> } {
  const loaded = {} as { [K in keyof T]: Script<T[K]> };
  for (const name of Object.keys(specs) as Array<keyof T & string>) {
    const spec = specs[name];
    const command = `sgScript${++defined}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
    const lua = readFileSync(new URL(`${spec.file}.lua`, dir), 'utf8');
    redis.defineCommand(command, spec.keys === undefined ? { lua } : { lua, numberOfKeys: spec.keys });
    const call = (redis as unknown as Record<string, (...args: ScriptArg[]) => Promise<T[typeof name]>>)[command].bind(redis);
    loaded[name] = (keys, ...args) => {
      if (spec.keys !== undefined && keys.length !== spec.keys) throw new Error(`Script ${name} takes ${spec.keys} keys, got ${keys.length}.`);
      return spec.keys === undefined ? call(keys.length, ...keys, ...args) : call(...keys, ...args);
    };
  }
  return loaded;
}
