// The result block. A verb that gives more than one number returns the first and writes the
// others into a block of RES_SIZE bytes the caller passes as `res` (the engine's Core keeps one),
// so no result travels through module state between calls.
export const RES_SIZE: i32 = 16;
export const RES_A: i32 = 0; // i32: the second result (count needed on overflow, bytes written, ...)
export const RES_B: i32 = 4; // i32: a third result (items written)
export const RES_TOTAL: i32 = 8; // f64: a count that may pass 2^31 (overlapping pairs needed)
