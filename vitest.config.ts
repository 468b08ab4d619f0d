import { defineConfig } from "vitest/config";
export default defineConfig({
  test: {
    projects: ["packages/engine", "apps/cli", "apps/web"],
    reporters: ["default", "./scripts/summary-reporter.ts"],
  },
});
