package org.rltf.policy;

/** One optimizer step: its number (1-based), the global gradient norm before clipping, and the learning rate used. */
public record StepStats(long step, double gradNorm, double lr) {}
