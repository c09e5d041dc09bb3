import { Option } from 'clipanion';
import { targetOption } from '../../cli/options.js';
import { ResolveCommand, type ResolveFlags } from './resolve.js';

/** resolve project|seed|shoot take the garden, project, seed and shoot flags. */
export abstract class ResolveScopedCommand extends ResolveCommand {
  project = targetOption.project();
  /** resolving only reads the Seed object, so a seed may be named here */
  seed = Option.String('--seed', { description: 'target the given seed cluster' });
  shoot = targetOption.shoot();

  protected override given(): ResolveFlags {
    return { garden: this.garden, project: this.project, seed: this.seed, shoot: this.shoot };
  }
}
