// API Gateway refuses any single frame over 32 KB (a larger message must come in fragments) with close code 1009.
// ws only limits whole messages, so frame headers are read here, off the raw socket, before ws parses them.

/** Feed every byte the client sends; calls onOversize once, for the first frame whose payload exceeds the limit. */
export function createFrameSizeWatcher(
  maxFrameBytes: number,
  onOversize: (payloadBytes: number) => void,
): (chunk: Buffer) => void {
  let header = Buffer.alloc(0);
  let payloadLeft = 0;
  let tripped = false;
  return (chunk) => {
    let offset = 0;
    // Collect header bytes up to `size`; false while the chunk ran out first.
    const fill = (size: number): boolean => {
      const part = chunk.subarray(offset, offset + Math.max(0, size - header.length));
      header = Buffer.concat([header, part]);
      offset += part.length;
      return header.length >= size;
    };
    while (!tripped && offset < chunk.length) {
      if (payloadLeft > 0) {
        const skipped = Math.min(payloadLeft, chunk.length - offset);
        payloadLeft -= skipped;
        offset += skipped;
        continue;
      }
      if (!fill(2)) return;
      const lengthCode = (header[1] as number) & 0x7f;
      const extendedBytes = lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0;
      const maskBytes = ((header[1] as number) & 0x80) !== 0 ? 4 : 0;
      if (!fill(2 + extendedBytes + maskBytes)) return;
      const length =
        lengthCode === 126
          ? header.readUInt16BE(2)
          : lengthCode === 127
            ? Number(header.readBigUInt64BE(2))
            : lengthCode;
      header = Buffer.alloc(0);
      if (length > maxFrameBytes) {
        tripped = true;
        onOversize(length);
        return;
      }
      payloadLeft = length;
    }
  };
}
