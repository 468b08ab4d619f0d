// Browser-test harness: a static server for the built app and a headless Chromium, both started
// by the test itself (127.0.0.1, port 0) and closed by it. The browser is Debian's /usr/bin/chromium
// when installed, else the Chromium that the npm package @sparticuz/chromium ships inside its
// tarball (143.x is the last line that runs on Node 20), so `npm ci && npm test` needs no apt step.
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";

export const DIST = fileURLToPath(new URL("../dist/", import.meta.url));
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** The browser binary: Debian's when present, else the one unpacked from @sparticuz/chromium. */
export async function chromiumPath(): Promise<string> {
  if (process.env.AKSNET_CHROMIUM) return process.env.AKSNET_CHROMIUM;
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  const { default: packaged } = await import("@sparticuz/chromium");
  // Unpacks once into the system temp folder (about 2 s the first time), then reuses it.
  return packaged.executablePath();
}

// Chromium refuses module scripts and module workers served with the wrong MIME type.
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export interface StaticServer {
  url: string;
  /** Requests so far, in order, with the status served. */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/** Serves dir on 127.0.0.1 at a free port; unknown paths are 404, nothing outside dir is served. */
export async function serveStatic(dir: string): Promise<StaticServer> {
  const root = resolve(dir);
  const requests: { path: string; status: number }[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const send = (status: number, type: string, body: string | Buffer) => {
      requests.push({ path, status });
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(body);
    };
    const file = resolve(root, "." + (path.endsWith("/") ? path + "index.html" : path));
    if (file !== root && !file.startsWith(root + sep)) {
      send(403, "text/plain", "forbidden");
      return;
    }
    try {
      const body = await readFile(file);
      send(200, TYPES[extname(file)] ?? "application/octet-stream", body);
    } catch {
      send(404, "text/plain", "not found");
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("static server has no TCP address");
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    requests,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile folder, removed again on close. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), "aksnet-web-test-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      timeout: 60_000,
      viewport: { width: 1280, height: 800 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    context.setDefaultTimeout(20_000);
    return {
      context,
      close: async () => {
        try {
          await context.close();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

export function assertBuilt(): void {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error(`${DIST}index.html is missing: build the web app first (npm run build -w @aksnet/web)`);
  }
}
