import { GardenctlError, usageError } from '../errors.js';
import { checkHost } from './untrusted.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `--bastion-port`: a TCP port number. */
export function checkPort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65535)
    throw usageError(
      `--bastion-port "${text}": bastion port must be a valid port number between 1 and 65535`,
    );
  return port;
}

/** `--bastion-name`: a Bastion's name is a DNS label. */
export function checkBastionName(name: string): string {
  if (!DNS_LABEL.test(name)) {
    throw usageError(
      `bastion name "${name}" is invalid: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "-", and must start and end with an alphanumeric character`,
      'e.g. --bastion-name cli-mine',
    );
  }
  return name;
}

/** `--bastion-host`: an IP address or a DNS name, as written into the ssh_config. */
export function checkBastionHost(host: string): string {
  try {
    return checkHost(host, '--bastion-host');
  } catch (error) {
    if (!(error instanceof GardenctlError)) throw error;
    throw usageError(`invalid bastion-host "${host}": it must be an IP address or a DNS name`);
  }
}

/** gardenctl-v2's rules for the flags that go together. */
export function checkModes(flags: {
  interactive: boolean;
  keepBastion: boolean;
  noKeepalive: boolean;
  output: string | undefined;
}): void {
  if (flags.noKeepalive && flags.interactive)
    throw usageError('set --interactive=false when disabling keepalive');
  if (flags.noKeepalive && !flags.keepBastion)
    throw usageError('set --keep-bastion when disabling keepalive');
  if (flags.output && flags.interactive)
    throw usageError('set --interactive=false when using the output flag');
}
