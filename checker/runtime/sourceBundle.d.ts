// Types for sourceBundle.js (plain JavaScript so that bin/cli-bundle.js can load it before tsx).
export declare function digest(data: string | Uint8Array): string;
export declare function bundleSources(
  from: { entry: string; stdin?: undefined; resolveDir?: undefined } | { entry?: undefined; stdin: string; resolveDir: string },
): Promise<{ code: string; inputs: Map<string, string> }>;
export declare function writeAtomic(file: string, text: string): void;
export declare function storeBundle(dir: string, prefix: string, code: string): string;
