import { MemoryGroupState } from '../../src/groups/memory-group-state.js';
import { groupStateContract } from './group-state.contract.js';

groupStateContract('MemoryGroupState', { create: async () => new MemoryGroupState() });
