// The architectures the model knows, each with its designs. An architecture
// is its module in model/arch/ (what it plugs into the shared machine of
// model/core/) and its designs in model/designs/; a new one is two new files
// and a line here.

import type { AnyArch } from './core/machine.js';
import type { Design } from './core/design.js';
import { arm64 } from './arch/arm64.js';
import { x86 } from './arch/x86.js';
import { arm64Designs } from './designs/arm64.js';
import { x86Designs } from './designs/x86.js';

export interface Architecture {
  readonly arch: AnyArch;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly designs: readonly Design<any, any>[];
}

export const architectures: readonly Architecture[] = [
  { arch: x86, designs: x86Designs },
  { arch: arm64, designs: arm64Designs },
];
