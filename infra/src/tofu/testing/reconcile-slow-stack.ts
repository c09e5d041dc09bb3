// Child process for the "runner killed mid-apply" test: node reconcile-slow-stack.js URL WORKROOT KEY WORKSPACE
import { TofuRunner } from '../tofu-runner.js';
import { slowStack } from './slow-stack.js';

const [databaseUrl = '', workRoot = '', stateKey = '', workspace = ''] = process.argv.slice(2);
await new TofuRunner({ databaseUrl, workRoot, stateKey }).reconcile(slowStack(60), workspace);
