import { MemoryInstanceState } from '../../src/groups/instances/memory-instance-state.js';
import { instanceStateContract } from './instance-state.contract.js';

instanceStateContract('MemoryInstanceState', { create: async () => new MemoryInstanceState() });
