import { AGENT_LOG, AGENT_PATH } from './node-agent.js';

export const INIT_PATH = '/usr/local/sbin/gardener-machine-init';

/**
 * PID 1 of a machine: adds the user `gardener`, starts sshd and the node agent, then only reaps
 * orphans. It does not restart the agent: node health is the agent's alone, so a dead agent shows
 * as a NotReady node, as a dead kubelet would.
 */
export const MACHINE_INIT_SCRIPT = `#!/bin/bash
set -u
trap 'kill -TERM -1 2>/dev/null; exit 0' TERM INT
id gardener >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --password '*' gardener
mkdir -p -m 0755 /run/sshd
mkdir -p -m 0700 /var/lib/gardener-node-agent
/usr/sbin/sshd -E /var/log/sshd.log || echo "sshd did not start" >&2
setsid ${AGENT_PATH} </dev/null >>${AGENT_LOG} 2>&1 &
while :; do
  sleep 3600 &
  wait $!
done
`;
