import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Some tests run whole model checks (up to ~1M states); they assert on
    // results, never on time.
    testTimeout: 120_000,
  },
});
