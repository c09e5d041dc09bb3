import { cpus, totalmem } from 'node:os';
import { parseCidr, parseIPv4 } from '@gardener-ts/api';
import type { CreateMachineRequest, MachineRef } from '../../../machine/driver.js';
import { MachineError, MachineErrorCode } from '../../../machine/errors.js';
import { providerIdOf } from './layout.js';
import type { MachineSpec } from './machine-spec.js';
import { parseBytes, parseMillicores } from './quantities.js';

/** a host name (UTS names are at most 64 bytes) and a Node name */
const MACHINE_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
const TECHNICAL_ID = /^[a-z0-9]([-a-z0-9]{0,198}[a-z0-9])?$/;
const INTERFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const SSH_PUBLIC_KEY =
  /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+( [^\n]*)?\n?$/;

function invalid(message: string): never {
  throw new MachineError(MachineErrorCode.InvalidArgument, message);
}

/** Checks a machine reference: its parts name files, interfaces and a container. */
export function checkRef(ref: MachineRef): void {
  if (!MACHINE_NAME.test(ref.name))
    invalid(`machine name "${ref.name}" is not a DNS name of at most 63 characters`);
  checkTechnicalId(ref.technicalId);
}

export function checkTechnicalId(technicalId: string): void {
  if (!TECHNICAL_ID.test(technicalId)) invalid(`technical ID "${technicalId}" is not a DNS label`);
}

/** Turns a create request into what the driver builds, or throws InvalidArgument (final: the input is wrong). */
export function machineSpecOf(request: CreateMachineRequest): MachineSpec {
  checkRef(request);
  const { bridgeName, gatewayAddress, nodesCidr } = request.infrastructure;
  if (!bridgeName || !INTERFACE_NAME.test(bridgeName))
    invalid('infrastructure.bridgeName is missing or not an interface name');
  const network = nodesCidr ? parseCidr(nodesCidr) : undefined;
  if (!network || network.prefix > 30)
    invalid('infrastructure.nodesCidr is missing or has no room for machines');
  const gateway = gatewayAddress ? parseIPv4(gatewayAddress) : undefined;
  const broadcast = network.network + 2 ** (32 - network.prefix) - 1;
  if (gateway === undefined || gateway <= network.network || gateway >= broadcast) {
    invalid(`infrastructure.gatewayAddress is missing or not a host of ${nodesCidr}`);
  }
  const { machineClass, bootstrap } = request;
  const millicores =
    machineClass.cpu === undefined ? cpus().length * 1000 : parseMillicores(machineClass.cpu);
  if (millicores === undefined) invalid(`machine class cpu "${machineClass.cpu}" is not a CPU quantity`);
  const memoryBytes = machineClass.memory === undefined ? totalmem() : parseBytes(machineClass.memory);
  if (memoryBytes === undefined)
    invalid(`machine class memory "${machineClass.memory}" is not a memory quantity`);
  if (!/^https:\/\/[^\s/]+/.test(bootstrap.apiServerUrl))
    invalid('bootstrap.apiServerUrl is not an https URL');
  if (!bootstrap.caPem.includes('-----BEGIN CERTIFICATE-----'))
    invalid('bootstrap.caPem holds no certificate');
  // never echo the token: it is a secret
  if (!BOOTSTRAP_TOKEN.test(bootstrap.bootstrapToken))
    invalid('bootstrap.bootstrapToken is not <id>.<secret>');
  if (!SSH_PUBLIC_KEY.test(bootstrap.sshPublicKey))
    invalid('bootstrap.sshPublicKey is not one OpenSSH public key');
  return {
    name: request.name,
    technicalId: request.technicalId,
    providerId: providerIdOf(request.technicalId, request.name),
    machineType: machineClass.machineType,
    zone: machineClass.zone,
    millicores,
    memoryBytes,
    bootstrap,
    bridge: bridgeName,
    gateway: gatewayAddress as string,
    network,
  };
}
