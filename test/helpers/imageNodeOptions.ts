/**
 * The NODE_OPTIONS the Docker image runs the gateway with (Dockerfile, ENV;
 * test/unit/deploy/dockerfile.test.ts keeps the two equal). The reliability
 * tier and the bench start their gateway process with them, so the memory
 * they measure is the image's.
 *
 * --max-semi-space-size=16: V8's young generation at most 3 × 16 MiB, as
 * Node 20 sized it. Node 24 lets it grow to 128 MiB whatever the heap limit
 * (also under --max-old-space-size=128), which put 24 concurrent listings at
 * the 256 MiB of deploy/kubernetes (207 MiB on Node 20; 204 MiB on Node 24
 * with this option).
 */
export const IMAGE_NODE_OPTIONS = '--max-semi-space-size=16';
