import { expect } from "chai";
import { AnswerParser, type Http1Answer, Http1Failure, MAX_HEAD_BYTES } from "../../../functions/shared/http1.ts";

// The answer parser of http1.ts, fed directly: each rule at its boundary, by the code it fails with. Fast and
// deterministic, so that a mutant of the parser is judged in milliseconds (http1.test.ts has the node:http oracle).

type Outcome = { answer: Http1Answer; rest: string } | "waiting" | string;

/** Pushes the pieces in turn: the answer and the bytes after it, "waiting", or the failure's code. */
function feed(pieces: readonly string[], maxAnswerBytes = 1 << 20): Outcome {
  const parser = new AnswerParser(maxAnswerBytes);
  try {
    for (const piece of pieces) {
      const done = parser.push(Buffer.from(piece, "latin1"));
      if (done !== undefined) return { answer: done.answer, rest: done.rest.toString("latin1") };
    }
    return "waiting";
  } catch (err) {
    expect(err).to.be.instanceOf(Http1Failure).and.to.include({ reached: true });
    return (err as Http1Failure).code;
  }
}

const whole = (text: string, maxAnswerBytes?: number): Outcome => feed([text], maxAnswerBytes);

/** The answer of a text that must be complete. */
function read(text: string, maxAnswerBytes?: number): { answer: Http1Answer; rest: string } {
  const got = whole(text, maxAnswerBytes);
  expect(got, text.slice(0, 80)).to.be.an("object");
  return got as { answer: Http1Answer; rest: string };
}

/** The parser's state after a complete answer (reusable, idleMs). */
function parserAfter(text: string): AnswerParser {
  const parser = new AnswerParser(1 << 20);
  expect(parser.push(Buffer.from(text, "latin1"))).to.not.equal(undefined);
  return parser;
}

const crlf = (...lines: string[]): string => lines.join("\r\n");
const ok = (...headers: string[]): string => crlf("HTTP/1.1 200 OK", ...headers, "Content-Length: 2", "", "hi");
const chunked = (...body: string[]): string => crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", ...body);

describe("AnswerParser (http1.ts): each rule at its boundary", () => {
  it("fails with an Http1Failure that names the rule and says the service was reached", () => {
    let caught: unknown;
    try {
      new AnswerParser(0).push(Buffer.from("HTTP/1.0 200 OK\r\n\r\n", "latin1"));
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(Http1Failure);
    expect(caught).to.include({ code: "BAD_ANSWER_STATUS", message: "BAD_ANSWER_STATUS", reached: true });
    expect(caught).to.have.property("name", "Http1Failure");
  });

  describe("header lines (BAD_ANSWER_HEADER)", () => {
    it("refuses a line with no colon, an empty name, a space before the colon, an obs-fold and a non-token name", () => {
      for (const line of ["XA", ":x", "X-A : 1", " X-A: 1", "X(A): 1", "X-A"])
        expect(whole(ok(line)), line).to.equal("BAD_ANSWER_HEADER");
    });

    it("refuses a control character (NUL, SOH, DEL) anywhere in a value, and takes HTAB, VCHAR and obs-text", () => {
      for (const value of ["\x00", "a\x01", "\x01a", "a\x7fb", "a\x1fb"])
        expect(whole(ok(`X-A: ${value}`)), JSON.stringify(value)).to.equal("BAD_ANSWER_HEADER");
      expect(read(ok("X-A: \x80a\tb!~\xff")).answer.headers["x-a"]).to.equal("\x80a\tb!~\xff");
    });

    it("trims spaces and tabs at both ends of a value only, keeps an empty value, and lower-cases names", () => {
      const { headers } = read(ok("X-Spaced: \t  a  b \t ", "X-Empty:", "X-Case: MiXed")).answer;
      expect(headers).to.deep.equal({ "x-spaced": "a  b", "x-empty": "", "x-case": "MiXed", "content-length": "2" });
    });

    it("keeps the first value of node:http's single-value headers and joins every other repeat with ', '", () => {
      const single = ["age", "authorization", "content-type", "etag", "expires", "from", "host", "if-modified-since"];
      single.push("if-unmodified-since", "last-modified", "location", "max-forwards", "proxy-authorization");
      single.push("referer", "retry-after", "server", "user-agent");
      for (const name of single)
        expect(read(ok(`${name}: first`, `${name.toUpperCase()}: second`)).answer.headers[name], name).to.equal(
          "first",
        );
      const { headers } = read(ok("X-A: 1", "x-a: 2", "X-A: 3", "Cache-Control: a", "Cache-Control: b")).answer;
      expect(headers["x-a"]).to.equal("1, 2, 3");
      expect(headers["cache-control"]).to.equal("a, b");
    });
  });

  describe("line ends (BAD_ANSWER_LINE)", () => {
    it("refuses a bare CR or a bare LF inside a complete head", () => {
      expect(whole(ok("X-A: 1\r2"))).to.equal("BAD_ANSWER_LINE");
      expect(whole(ok("X-A: 1\n2"))).to.equal("BAD_ANSWER_LINE");
    });

    it("refuses a bare LF before the head is complete, rather than wait for a CRLF CRLF that never comes", () => {
      expect(whole("\n")).to.equal("BAD_ANSWER_LINE");
      expect(whole("HTTP/1.1 200 OK\n")).to.equal("BAD_ANSWER_LINE");
      expect(whole("HTTP/1.1 200 OK\r\nX-A: 1\n")).to.equal("BAD_ANSWER_LINE");
      expect(feed(["HTTP/1.1 200 OK\r", "\n", "X-A: 1\r\n"])).to.equal("waiting");
      expect(feed(["HTTP/1.1 200 OK\r\n", "X-A: 1\n"])).to.equal("BAD_ANSWER_LINE");
    });

    it("refuses a bare LF in a trailer block before it is complete, and a bare CR in a complete one", () => {
      expect(whole(chunked("0", "X-T: 1\n"))).to.equal("BAD_ANSWER_LINE");
      expect(whole(chunked("0", "X-T: 1\r2", "", ""))).to.equal("BAD_ANSWER_LINE");
    });
  });

  describe("framing (BAD_ANSWER_FRAMING)", () => {
    it("refuses a repeated Content-Length or Transfer-Encoding, even with the same value in another case", () => {
      expect(whole(ok("content-length: 2"))).to.equal("BAD_ANSWER_FRAMING");
      const twice = crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "transfer-encoding: chunked", "", "0", "");
      expect(whole(`${twice}\r\n`)).to.equal("BAD_ANSWER_FRAMING");
    });

    it("refuses a repeated Transfer-Encoding on a 204 and on an interim answer, which read no body", () => {
      const te = ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"];
      expect(whole(crlf("HTTP/1.1 204 No Content", ...te, "", ""))).to.equal("BAD_ANSWER_FRAMING");
      expect(whole(crlf("HTTP/1.1 100 Continue", ...te, "", ok()))).to.equal("BAD_ANSWER_FRAMING");
    });

    it("refuses both a length and chunks, even on a 204 that has no body", () => {
      expect(whole(ok("Transfer-Encoding: chunked"))).to.equal("BAD_ANSWER_FRAMING");
      const both = crlf("HTTP/1.1 204 No Content", "Content-Length: 0", "Transfer-Encoding: chunked", "", "");
      expect(whole(both)).to.equal("BAD_ANSWER_FRAMING");
    });

    it("refuses an answer with neither a length nor chunks (it would end at the close), but not a 204 or 304", () => {
      expect(whole(crlf("HTTP/1.1 200 OK", "X-A: 1", "", "hi"))).to.equal("BAD_ANSWER_FRAMING");
      expect(whole(crlf("HTTP/1.1 205 Reset Content", "", ""))).to.equal("BAD_ANSWER_FRAMING");
      for (const status of ["204 No Content", "304 Not Modified"])
        expect(read(crlf(`HTTP/1.1 ${status}`, "", "")).answer.status).to.equal(Number(status.slice(0, 3)));
    });

    it("takes chunked in any case, and refuses any other coding", () => {
      for (const coding of ["chunked", "Chunked", "CHUNKED"])
        expect(
          read(crlf("HTTP/1.1 200 OK", `Transfer-Encoding: ${coding}`, "", "2", "hi", "0", "", "")).answer.body,
        ).to.deep.equal(Buffer.from("hi"));
      for (const coding of ["gzip", "gzip, chunked", "chunked, gzip", "chunkedx", ""])
        expect(whole(crlf("HTTP/1.1 200 OK", `Transfer-Encoding: ${coding}`, "", "0", "", "")), coding).to.equal(
          "BAD_ANSWER_FRAMING",
        );
    });

    it("takes a length of 1 to 15 digits, and refuses an empty, signed, mixed, listed or 16-digit one", () => {
      expect(
        read(crlf("HTTP/1.1 200 OK", "Content-Length: 000000000000002", "", "hi")).answer.body.toString(),
      ).to.equal("hi");
      for (const length of ["", "0000000000000002", "2a", "a2", "+2", "-2", "2 2", "2, 2", "0x2"])
        expect(whole(crlf("HTTP/1.1 200 OK", `Content-Length: ${length}`, "", "hi")), length).to.equal(
          "BAD_ANSWER_FRAMING",
        );
    });
  });

  describe("status lines (BAD_ANSWER_STATUS)", () => {
    it("refuses another version, a status outside 100-599, a status run on, a control character and 101", () => {
      const lines = ["HTTP/1.0 200 OK", "HTTP/2 200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 600 X"];
      lines.push("HTTP/1.1 099 X", "HTTP/1.1 200x", "HTTP/1.1 200 O\x01K", "http/1.1 200 OK", " HTTP/1.1 200 OK");
      lines.push("HTTP/1.1 101 Switching Protocols", "");
      for (const line of lines)
        expect(whole(crlf(line, "Content-Length: 0", "", "")), line).to.equal("BAD_ANSWER_STATUS");
    });

    it("refuses a head on its first bytes when they cannot begin a status line, and waits on any that can", () => {
      for (const start of ["\r\n", "\r", "H\r\n", "HTTP/1.0", "HTTP/2 ", "http/", " HTTP", "XYZ", "HTTP/1.1\t"])
        expect(whole(start), JSON.stringify(start)).to.equal("BAD_ANSWER_STATUS");
      const line = "HTTP/1.1 200 OK";
      for (let length = 1; length <= line.length; length += 1)
        expect(whole(line.slice(0, length)), line.slice(0, length)).to.equal("waiting");
      // A trailer block is not a head: it waits for its end whatever it starts with.
      expect(whole(chunked("0", "X-T: 1"))).to.equal("waiting");
      expect(feed([chunked("0", "X-T: 1"), "\r\n\r\n"])).to.be.an("object");
    });

    it("takes a reason with obs-text, none, or no space either (as node:http does), and any status to 599", () => {
      for (const line of ["HTTP/1.1 200 ", "HTTP/1.1 200", "HTTP/1.1 599 x\xe9\ty", "HTTP/1.1 404 Not Found"])
        expect(read(crlf(line, "Content-Length: 0", "", "")).answer.status).to.equal(Number(line.slice(9, 12)));
    });

    it("skips interim answers (100, 103, 199) and their headers, then reads the final one", () => {
      const text = crlf("HTTP/1.1 100 Continue", "", "HTTP/1.1 103 Early Hints", "Link: </a>", "", "");
      const final = crlf("HTTP/1.1 199 X", "X-B: 1", "", "HTTP/1.1 201 Created", "X-A: 1", "Content-Length: 0", "", "");
      const got = read(`${text}${final}${ok()}`);
      expect(got.answer.status).to.equal(201);
      expect(got.answer.headers).to.deep.equal({ "x-a": "1", "content-length": "0" });
      expect(got.rest).to.equal(ok());
    });

    it("checks an interim answer's headers too", () => {
      expect(whole(crlf("HTTP/1.1 103 Early Hints", "Li nk: </a>", "", ok()))).to.equal("BAD_ANSWER_HEADER");
    });
  });

  describe("the head's cap (BAD_ANSWER_HEAD_TOO_LARGE)", () => {
    /** A head whose block (status line and headers, before the final CRLF CRLF) is `size` bytes. */
    const headOf = (size: number): string => {
      const start = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ";
      return `${start}${"a".repeat(size - start.length)}\r\n\r\n`;
    };

    it("takes a head of exactly MAX_HEAD_BYTES however it is split, and refuses one byte more", () => {
      const fits = headOf(MAX_HEAD_BYTES);
      const over = headOf(MAX_HEAD_BYTES + 1);
      for (let at = fits.length - 5; at <= fits.length; at += 1) {
        expect(feed([fits.slice(0, at), fits.slice(at)]), `split at ${at}`).to.be.an("object");
        expect(feed([over.slice(0, at + 1), over.slice(at + 1)]), `split at ${at + 1}`).to.equal(
          "BAD_ANSWER_HEAD_TOO_LARGE",
        );
      }
    });

    it("refuses a head past the cap before its end arrives", () => {
      expect(whole(headOf(MAX_HEAD_BYTES + 1).slice(0, MAX_HEAD_BYTES + 4))).to.equal("BAD_ANSWER_HEAD_TOO_LARGE");
      expect(whole(headOf(MAX_HEAD_BYTES).slice(0, MAX_HEAD_BYTES + 3))).to.equal("waiting");
    });

    it("takes a trailer block of exactly MAX_HEAD_BYTES, and refuses one byte more", () => {
      const trailers = (size: number): string => chunked("0", `X-T: ${"t".repeat(size - 5)}`, "", "");
      expect(whole(trailers(MAX_HEAD_BYTES))).to.be.an("object");
      expect(whole(trailers(MAX_HEAD_BYTES + 1))).to.equal("BAD_ANSWER_HEAD_TOO_LARGE");
      const over = trailers(MAX_HEAD_BYTES + 1);
      expect(whole(over.slice(0, over.length - 1))).to.equal("BAD_ANSWER_HEAD_TOO_LARGE");
    });
  });

  describe("chunks (BAD_ANSWER_CHUNK)", () => {
    it("refuses a size that is empty, not hex, signed, or of 17 digits; takes 16 and any case", () => {
      for (const size of ["", "zz", "-1", "+1", "0x2", " 2", "00000000000000002", ";a"])
        expect(whole(chunked(size, "hi", "0", "", "")), size).to.equal("BAD_ANSWER_CHUNK");
      for (const size of ["0000000000000002", "2"])
        expect(read(chunked(size, "hi", "0", "", "")).answer.body.toString()).to.equal("hi");
      expect(read(chunked("a", "0123456789", "A", "0123456789", "0", "", "")).answer.body).to.have.length(20);
    });

    it("refuses a size of 2^53 or more, and waits for the data of a size just below", () => {
      expect(whole(chunked("20000000000000", ""))).to.equal("BAD_ANSWER_CHUNK");
      expect(whole(chunked("ffffffffffffffff", ""))).to.equal("BAD_ANSWER_CHUNK");
      expect(whole(chunked("1fffffffffffff", "hi"), 0)).to.equal("waiting");
    });

    it("takes chunk extensions, with white space before the semicolon and quoted values", () => {
      const got = read(chunked("2;a=b", "hi", "1 ;x", "!", '1\t; q="v w"', "?", "0;last", "", ""));
      expect(got.answer.body.toString()).to.equal("hi!?");
    });

    it("refuses a chunk whose data is not followed by CRLF, and waits for the LF after a CR", () => {
      for (const end of ["X\r", "\rX", "X\n", "\n\r"])
        expect(whole(`${chunked("2", "")}hi${end}0\r\n\r\n`), JSON.stringify(end)).to.equal("BAD_ANSWER_CHUNK");
      expect(whole(`${chunked("2", "")}hi\r`)).to.equal("waiting");
      // Two bytes after the data are enough to tell, with nothing after them.
      expect(whole(`${chunked("2", "")}hiXY`)).to.equal("BAD_ANSWER_CHUNK");
    });

    it("takes a chunk-size line of exactly MAX_HEAD_BYTES however it is split, and refuses one byte more", () => {
      const line = (size: number): string => `2;${"x".repeat(size - 2)}`;
      const fits = chunked(line(MAX_HEAD_BYTES), "hi", "0", "", "");
      const over = chunked(line(MAX_HEAD_BYTES + 1), "hi", "0", "", "");
      const lineEnd = fits.indexOf("\r\nhi");
      for (let at = lineEnd - 1; at <= lineEnd + 2; at += 1) {
        expect(feed([fits.slice(0, at), fits.slice(at)]), `split at ${at}`).to.be.an("object");
        expect(feed([over.slice(0, at + 1), over.slice(at + 1)]), `split at ${at + 1}`).to.equal("BAD_ANSWER_CHUNK");
      }
      expect(whole(over)).to.equal("BAD_ANSWER_CHUNK");
    });

    it("refuses a chunk-size line past the cap before its end arrives", () => {
      const head = chunked("");
      expect(whole(`${head}2;${"x".repeat(MAX_HEAD_BYTES - 2)}\r`)).to.equal("waiting");
      expect(whole(`${head}2;${"x".repeat(MAX_HEAD_BYTES)}`)).to.equal("BAD_ANSWER_CHUNK");
    });
  });

  describe("the body's cap (BAD_ANSWER_TOO_LARGE)", () => {
    it("keeps a body of exactly maxAnswerBytes by length, and refuses one byte more from the head alone", () => {
      expect(read(crlf("HTTP/1.1 200 OK", "Content-Length: 5", "", "hello"), 5).answer.body.toString()).to.equal(
        "hello",
      );
      expect(whole(crlf("HTTP/1.1 200 OK", "Content-Length: 6", "", ""), 5)).to.equal("BAD_ANSWER_TOO_LARGE");
    });

    it("keeps chunks of exactly maxAnswerBytes in all, and refuses one byte more", () => {
      expect(read(chunked("2", "he", "3", "llo", "0", "", ""), 5).answer.body.toString()).to.equal("hello");
      expect(whole(chunked("2", "he", "4", "llo!", "0", "", ""), 5)).to.equal("BAD_ANSWER_TOO_LARGE");
    });

    it("reads and discards any body at 0, by length and by chunks, leaving the bytes after it", () => {
      const byLength = read(`${crlf("HTTP/1.1 200 OK", "Content-Length: 5", "", "hello")}next`, 0);
      expect(byLength.answer.body).to.have.length(0);
      expect(byLength.rest).to.equal("next");
      const byChunks = read(`${chunked("2", "he", "3", "llo", "0", "", "")}next`, 0);
      expect(byChunks.answer.body).to.have.length(0);
      expect(byChunks.rest).to.equal("next");
    });
  });

  describe("trailers, bodiless answers and the bytes after an answer", () => {
    it("ends chunks at an empty trailer block, and leaves the next bytes in rest", () => {
      const got = read(`${chunked("2", "hi", "0", "", "")}HTTP/1.1 200 OK\r\n`);
      expect(got.answer).to.deep.equal({
        status: 200,
        headers: { "transfer-encoding": "chunked" },
        body: Buffer.from("hi"),
      });
      expect(got.rest).to.equal("HTTP/1.1 200 OK\r\n");
      expect(feed([chunked("2", "hi", "0", ""), "\r", "\n"])).to.be.an("object");
    });

    it("reads a trailer block, checks it, keeps it out of the headers, and leaves the next bytes in rest", () => {
      const got = read(`${chunked("2", "hi", "0", "X-T: 1", "Content-Length: 9", "", "")}\r\nnext`);
      expect(got.answer.headers).to.deep.equal({ "transfer-encoding": "chunked" });
      expect(got.rest).to.equal("\r\nnext");
      expect(whole(chunked("0", "X T: 1", "", ""))).to.equal("BAD_ANSWER_HEADER");
      expect(whole(chunked("0", "X-T: \x01", "", ""))).to.equal("BAD_ANSWER_HEADER");
    });

    it("reads no body after a 204 or a 304, whatever the headers say", () => {
      const noContent = read(`${crlf("HTTP/1.1 204 No Content", "Content-Length: 5", "", "")}hello`);
      expect(noContent.answer.body).to.have.length(0);
      expect(noContent.rest).to.equal("hello");
      const notModified = read(`${crlf("HTTP/1.1 304 Not Modified", "Transfer-Encoding: chunked", "", "")}0\r\n`);
      expect(notModified.answer).to.include({ status: 304 });
      expect(notModified.rest).to.equal("0\r\n");
    });

    it("ends a body at its length, and leaves the next bytes in rest", () => {
      const got = read(`${ok()}HTTP/1.1`);
      expect(got.answer.body.toString()).to.equal("hi");
      expect(got.rest).to.equal("HTTP/1.1");
      expect(read(ok()).rest).to.equal("");
      const empty = read(`${crlf("HTTP/1.1 200 OK", "Content-Length: 0", "", "")}x`);
      expect(empty.answer.body).to.have.length(0);
      expect(empty.rest).to.equal("x");
    });

    it("waits for the rest of a body or of a head", () => {
      expect(whole(crlf("HTTP/1.1 200 OK", "Content-Length: 3", "", "hi"))).to.equal("waiting");
      expect(whole(chunked("2", "hi", "0", ""))).to.equal("waiting");
      expect(whole("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n")).to.equal("waiting");
      expect(feed([crlf("HTTP/1.1 200 OK", "Content-Length: 3", "", "h"), "i", "!"])).to.be.an("object");
    });
  });

  describe("reuse (reusable) and the service's idle timeout (idleMs)", () => {
    it("is reusable unless a Connection token is close, in any case and position", () => {
      for (const value of ["close", "Close", " CLOSE ", "keep-alive, close", "close,upgrade", "x ,\tclose"])
        expect(parserAfter(ok(`Connection: ${value}`)).reusable, value).to.equal(false);
      expect(parserAfter(ok("Connection: keep-alive", "Connection: close")).reusable).to.equal(false);
      for (const value of ["keep-alive", "closed", "x-close", "close-it", ""])
        expect(parserAfter(ok(`Connection: ${value}`)).reusable, value).to.equal(true);
      expect(parserAfter(ok()).reusable).to.equal(true);
    });

    it("reads idleMs from Keep-Alive: timeout=<1 to 6 digits>, anywhere in the value, in any case", () => {
      const cases: Record<string, number> = {
        "timeout=5": 5_000,
        "timeout=5, max=100": 5_000,
        "max=100, timeout=7": 7_000,
        "Timeout=3": 3_000,
        "timeout=0": 0,
        "timeout=123456": 123_456_000,
      };
      for (const [value, ms] of Object.entries(cases))
        expect(parserAfter(ok(`Keep-Alive: ${value}`)).idleMs, value).to.equal(ms);
    });

    it("leaves idleMs unset without Keep-Alive, or with a timeout that is absent, empty, not digits or too long", () => {
      expect(parserAfter(ok()).idleMs).to.equal(undefined);
      for (const value of [
        "max=5",
        "timeout=",
        "timeout=abc",
        "timeout=-1",
        "timeout=1234567",
        "xtimeout=5",
        "timeout=5x",
      ])
        expect(parserAfter(ok(`Keep-Alive: ${value}`)).idleMs, value).to.equal(undefined);
    });
  });
});
