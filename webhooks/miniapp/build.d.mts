/** Bundles the Mini App into `outDir` (default dist/miniapp); the sizes are in bytes. */
export function buildMiniApp(outDir?: string): Promise<{ outDir: string; jsBytes: number; cssBytes: number; chunkBytes: number }>;
