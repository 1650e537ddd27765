import { MemoryStore } from '../../src/log/memory-store.js';
import { logStoreContract } from './log-store.contract.js';

logStoreContract('MemoryStore', { create: async () => new MemoryStore() });
