#!/usr/bin/env node
// Runs the TypeScript sources directly (and users' TypeScript models) through
// tsx's loader, so neither clockcheck nor a user's model needs a build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/run.ts');
