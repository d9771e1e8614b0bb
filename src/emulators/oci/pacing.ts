// Bandwidth caps for the emulator's body streams: a Transform that lets bytes through no faster than a given rate,
// in small slices so the rate holds even for chunks larger than a second's worth. Used by the bandwidth fault.
import { setTimeout as sleep } from "node:timers/promises";
import { Transform } from "node:stream";

export function createPacer(bytesPerSecond: number): Transform {
  const started = Date.now();
  let passed = 0;
  const slice = Math.max(512, Math.floor(bytesPerSecond / 20));
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      void (async () => {
        for (let offset = 0; offset < chunk.length; offset += slice) {
          const piece = chunk.subarray(offset, offset + slice);
          passed += piece.length;
          const wait = started + (passed / bytesPerSecond) * 1000 - Date.now();
          if (wait > 0) await sleep(wait);
          if (this.destroyed) return;
          this.push(piece);
        }
        callback();
      })().catch(callback);
    },
  });
}
