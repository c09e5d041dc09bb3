export {
  type InfrastructureConformanceSubject,
  infrastructureConformance,
} from './infrastructure-conformance.js';
export {
  type MachineDriverConformanceSubject,
  machineDriverConformance,
} from './machine-driver-conformance.js';
