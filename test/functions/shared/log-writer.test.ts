import { expect } from "chai";
import sinon from "sinon";
import { createStdoutWriter, isoTimestamp, type LineStream } from "../../../functions/shared/log.ts";

function eagain(): NodeJS.ErrnoException {
  return Object.assign(new Error("EAGAIN: resource temporarily unavailable, write"), {
    code: "EAGAIN",
    errno: -11,
    syscall: "write",
  });
}

/** A fake fd 1 that answers each write with the next scripted outcome, and a stream that records what it got. */
function harness(outcomes: Array<"all" | "eagain" | number>) {
  const fd: string[] = [];
  const fdBytes: Buffer[] = [];
  const streamed: Buffer[] = [];
  let fallbacks = 0;
  const stream: LineStream = {
    write(chunk) {
      streamed.push(Buffer.from(chunk));
      return true;
    },
  };
  const write = createStdoutWriter(
    (descriptor, data) => {
      expect(descriptor).to.equal(1);
      const outcome = outcomes.shift() ?? "all";
      const bytes = Buffer.from(data);
      if (outcome === "eagain") throw eagain();
      const taken = outcome === "all" ? bytes.length : outcome;
      fd.push(bytes.subarray(0, taken).toString());
      fdBytes.push(bytes.subarray(0, taken));
      return taken;
    },
    () => {
      fallbacks += 1;
      return stream;
    },
  );
  return {
    write,
    fd,
    streamed: () => Buffer.concat(streamed).toString(),
    /** Every byte in arrival order: fd 1's, then the stream's. */
    joined: () => Buffer.concat([...fdBytes, ...streamed]).toString(),
    fallbacks: () => fallbacks,
  };
}

describe("log: the stdout writer", () => {
  it("writes each whole line to fd 1 while fd 1 takes it", () => {
    const h = harness([]);
    h.write("one\n");
    h.write("two é\n");
    expect(h.fd).to.deep.equal(["one\n", "two é\n"]);
    expect(h.fallbacks()).to.equal(0);
  });

  it("on EAGAIN, hands the line to the stream, and every later line too (none lost, none reordered)", () => {
    const h = harness(["all", "eagain", "all"]);
    h.write("one\n");
    h.write("two\n");
    h.write("three\n");
    expect(h.fd).to.deep.equal(["one\n"]);
    expect(h.streamed()).to.equal("two\nthree\n");
    expect(h.fallbacks()).to.equal(1);
  });

  it("on a partial write, hands the rest of the line to the stream, then stays on the stream", () => {
    // "é" is two bytes: the cut falls inside it, and the bytes still join up.
    const line = '{"message":"café"}\n';
    const cut = Buffer.from(line).indexOf(0xa9);
    const h = harness([cut]);
    h.write(line);
    h.write("next\n");
    expect(h.joined()).to.equal(`${line}next\n`);
    expect(h.streamed()).to.not.equal("");
    expect(h.fallbacks()).to.equal(1);
  });

  it("on another write error, the stream takes the line rather than the caller getting a throw", () => {
    const write = createStdoutWriter(
      () => {
        throw Object.assign(new Error("EBADF"), { code: "EBADF" });
      },
      () => ({ write: (chunk) => got.push(String(chunk)) }),
    );
    const got: string[] = [];
    expect(() => write("line\n")).to.not.throw();
    expect(got).to.deep.equal(["line\n"]);
  });

  it("falls back to process.stdout by default", () => {
    const write = createStdoutWriter(() => {
      throw eagain();
    });
    const stdout = sinon.stub(process.stdout, "write").returns(true);
    try {
      write("to the stream\n");
    } finally {
      stdout.restore();
    }
    expect(stdout.args).to.deep.equal([["to the stream\n"]]);
  });
});

describe("log: isoTimestamp", () => {
  it("equals Date#toISOString, across second boundaries and for every millisecond width", () => {
    const base = Date.UTC(2026, 11, 1, 18, 17, 40);
    const instants = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 59_999, 60_000, 86_399_999].map((ms) => base + ms);
    for (let i = 0; i < 200; i += 1) instants.push(base + Math.floor(Math.random() * 10 ** 9));
    // Out of order too: the cached second must follow the clock back as well as forward.
    for (const now of [...instants, ...instants.reverse()])
      expect(isoTimestamp(now)).to.equal(new Date(now).toISOString());
  });
});
