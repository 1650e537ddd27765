import { COMPATIBILITY_LEVELS } from './compatibility/types.js';
import { compatibilityNotConfigured, invalidCompatibilityLevel, invalidMode, modeNotConfigured, operationNotPermitted, subjectNotFound } from './errors.js';
import type { RegistryStore } from './registry-store.js';
import { DEFAULT_COMPATIBILITY, DEFAULT_MODE, MODES, type CompatibilityLevel, type Mode, type RegistryConfig } from './types.js';

/** A config with its level filled in: what reads answer. */
export interface EffectiveConfig {
  compatibilityLevel: CompatibilityLevel;
  normalize?: boolean;
}

export interface ConfigUpdate {
  compatibility?: unknown;
  normalize?: unknown;
}

export function parseCompatibilityLevel(value: unknown): CompatibilityLevel {
  const level = typeof value === 'string' ? value.toUpperCase() : value;
  if (!COMPATIBILITY_LEVELS.includes(level as CompatibilityLevel)) throw invalidCompatibilityLevel(value);
  return level as CompatibilityLevel;
}

export function parseMode(value: unknown): Mode {
  const mode = typeof value === 'string' ? value.toUpperCase() : value;
  if (!MODES.includes(mode as Mode)) throw invalidMode(value);
  return mode as Mode;
}

/**
 * Compatibility configs and modes, global and per subject. A subject without its own setting
 * follows the global one, and the global one defaults to BACKWARD / READWRITE.
 */
export class RegistrySettings {
  constructor(private readonly store: RegistryStore) {}

  async globalConfig(): Promise<EffectiveConfig> {
    const config = await this.store.config(null);
    return { ...config, compatibilityLevel: config?.compatibilityLevel ?? DEFAULT_COMPATIBILITY };
  }

  /** `GET /config/{subject}`: 40408 when the subject has no level of its own, unless `defaultToGlobal`. */
  async config(subject: string | null, defaultToGlobal = false): Promise<EffectiveConfig> {
    if (subject === null) return this.globalConfig();
    const own = await this.store.config(subject);
    if (own?.compatibilityLevel) return { ...own, compatibilityLevel: own.compatibilityLevel };
    if (defaultToGlobal) return this.globalConfig();
    throw compatibilityNotConfigured(subject);
  }

  /** The config that applies to a subject: its own settings, each falling back to the global one. */
  async configInScope(subject: string): Promise<EffectiveConfig> {
    const [own, global] = await Promise.all([this.store.config(subject), this.globalConfig()]);
    return {
      compatibilityLevel: own?.compatibilityLevel ?? global.compatibilityLevel,
      normalize: own?.normalize ?? global.normalize,
    };
  }

  async setConfig(subject: string | null, update: ConfigUpdate): Promise<{ compatibility?: CompatibilityLevel; normalize?: boolean }> {
    if (update.compatibility === undefined && update.normalize === undefined) throw invalidCompatibilityLevel(undefined);
    const compatibility = update.compatibility === undefined ? undefined : parseCompatibilityLevel(update.compatibility);
    if (update.normalize !== undefined && typeof update.normalize !== 'boolean') throw invalidCompatibilityLevel(`normalize=${String(update.normalize)}`);
    const current = (await this.store.config(subject)) ?? {};
    const next: RegistryConfig = { ...current };
    if (compatibility !== undefined) next.compatibilityLevel = compatibility;
    if (update.normalize !== undefined) next.normalize = update.normalize as boolean;
    await this.store.setConfig(subject, next);
    return { ...(compatibility !== undefined ? { compatibility } : {}), ...(update.normalize !== undefined ? { normalize: update.normalize as boolean } : {}) };
  }

  /** Removes a config and answers the one removed; the global one then reverts to the default. */
  async deleteConfig(subject: string | null): Promise<EffectiveConfig> {
    if (subject === null) {
      const previous = await this.globalConfig();
      await this.store.setConfig(null, undefined);
      return previous;
    }
    const own = await this.store.config(subject);
    if (!own) throw subjectNotFound(subject);
    await this.store.setConfig(subject, undefined);
    return { ...own, compatibilityLevel: own.compatibilityLevel ?? (await this.globalConfig()).compatibilityLevel };
  }

  async mode(subject: string | null, defaultToGlobal = false): Promise<Mode> {
    const global = async () => (await this.store.mode(null)) ?? DEFAULT_MODE;
    if (subject === null) return global();
    const own = await this.store.mode(subject);
    if (own) return own;
    if (defaultToGlobal) return global();
    throw modeNotConfigured(subject);
  }

  modeInScope(subject: string): Promise<Mode> {
    return this.mode(subject, true);
  }

  /**
   * Sets a mode. Entering IMPORT needs an empty scope (no live subject, or no live version of the
   * subject) so imported ids cannot collide with registered ones, unless `force`.
   */
  async setMode(subject: string | null, value: unknown, force: boolean): Promise<Mode> {
    const mode = parseMode(value);
    if (mode === 'IMPORT' && !force && (await this.mode(subject, true)) !== 'IMPORT') {
      const live = subject === null ? await this.store.subjects(false) : (await this.store.snapshot(subject)).versions.filter((entry) => !entry.deleted);
      if (live.length > 0) throw operationNotPermitted('Cannot import since found existing subjects');
    }
    await this.store.setMode(subject, mode);
    return mode;
  }

  async deleteMode(subject: string): Promise<Mode> {
    const own = await this.store.mode(subject);
    if (!own) throw subjectNotFound(subject);
    await this.store.setMode(subject, undefined);
    return own;
  }
}
