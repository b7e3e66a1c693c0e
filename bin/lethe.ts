#!/usr/bin/env node
// The CDK app. Every stack is pinned to eu-west-1; any other requested region stops the synth (P1).
import { buildApp } from '#lib/app.ts';

try {
  buildApp().app.synth();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
