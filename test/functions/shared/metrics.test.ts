import { expect } from "chai";
import { WsAuthError } from "../../../functions/shared/errors.ts";
import {
  count,
  emfLine,
  emitMetrics,
  METRICS_NAMESPACE,
  MetricsError,
  type MetricValue,
} from "../../../functions/shared/metrics.ts";
import { captureLogSink } from "../../support/logs.ts";

const NOW_MS = Date.parse("2026-12-01T12:34:56.789Z");

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [member: string]: unknown;
}

/**
 * The specification's rules for one document, checked as CloudWatch would: every dimension a string member of the
 * root, every metric a number member, the timestamp whole milliseconds.
 */
function parseEmf(line: string): EmfDocument {
  expect(line.endsWith("\n"), "one line, newline-terminated").to.equal(true);
  expect(line.slice(0, -1)).not.to.include("\n");
  const document = JSON.parse(line) as EmfDocument;
  expect(Number.isInteger(document._aws.Timestamp)).to.equal(true);
  for (const directive of document._aws.CloudWatchMetrics) {
    for (const set of directive.Dimensions) for (const name of set) expect(document[name]).to.be.a("string");
    for (const metric of directive.Metrics) expect(document[metric.Name]).to.be.a("number");
  }
  return document;
}

describe("embedded metric format lines", () => {
  it("puts each metric and dimension on the root and names them in one directive under our namespace", () => {
    const document = parseEmf(
      emfLine({ ConnectionsOpened: count(), ActiveConnections: { value: 42, unit: "None" } }, { Stage: "dev" }, NOW_MS),
    );
    expect(document).to.deep.equal({
      _aws: {
        Timestamp: NOW_MS,
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [["Stage"]],
            Metrics: [
              { Name: "ConnectionsOpened", Unit: "Count" },
              { Name: "ActiveConnections", Unit: "None" },
            ],
          },
        ],
      },
      Stage: "dev",
      ConnectionsOpened: 1,
      ActiveConnections: 42,
    });
  });

  it("records a metric without dimensions under one empty dimension set", () => {
    const document = parseEmf(emfLine({ ConnectionsClosed: count(3) }, {}, NOW_MS));
    expect(document._aws.CloudWatchMetrics[0]?.Dimensions).to.deep.equal([[]]);
    expect(document.ConnectionsClosed).to.equal(3);
  });

  it("stamps whole milliseconds, from the clock by default", () => {
    expect(parseEmf(emfLine({ X: count() }, {}, NOW_MS + 0.6))._aws.Timestamp).to.equal(NOW_MS);
    const before = Date.now();
    const stamped = parseEmf(emfLine({ X: count() }))._aws.Timestamp;
    expect(stamped).to.be.within(before, Date.now());
  });

  it("leaves out values that are not finite numbers, which JSON cannot carry", () => {
    const document = parseEmf(
      emfLine({ Kept: count(2), NotANumber: count(Number.NaN), Infinite: count(Number.POSITIVE_INFINITY) }, {}, NOW_MS),
    );
    expect(document._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name)).to.deep.equal(["Kept"]);
    expect(document).not.to.have.property("NotANumber");
    expect(document).not.to.have.property("Infinite");
  });

  it("refuses names the specification does not allow, by a named error", () => {
    const cases: [Record<string, MetricValue>, Record<string, string>, RegExp][] = [
      [{ "": count() }, {}, /metric name must be 1 to 255/],
      [{ ["m".repeat(256)]: count() }, {}, /metric name must be 1 to 255/],
      [{ _aws: count() }, {}, /not "_aws"/],
      [{ X: count() }, { "": "v" }, /dimension name must be 1 to 255/],
      [{ X: count() }, { Stage: "" }, /dimension Stage must have a value of 1 to 1024/],
      [{ X: count() }, { Stage: "v".repeat(1025) }, /dimension Stage must have a value/],
      [{ Stage: count() }, { Stage: "dev" }, /metric Stage has the name of a dimension/],
    ];
    for (const [metrics, dimensions, message] of cases) {
      expect(() => emfLine(metrics, dimensions, NOW_MS)).to.throw(MetricsError, message);
    }
    expect(new MetricsError("x")).to.be.instanceOf(WsAuthError);
  });

  it("takes a name of exactly 255 characters and a dimension value of exactly 1024", () => {
    const name = "n".repeat(255);
    const line = parseEmf(emfLine({ [name]: count() }, { [`d${name.slice(1)}`]: "v".repeat(1024) }, NOW_MS));
    expect(line[name]).to.equal(1);
  });

  it("takes up to 100 metrics and 30 dimensions, and no more", () => {
    const metrics = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`M${i}`, count(i)]));
    const dimensions = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`D${i}`, "v"]));
    expect(parseEmf(emfLine(metrics(100), dimensions(30), NOW_MS))._aws.CloudWatchMetrics[0]?.Metrics).to.have.length(
      100,
    );
    expect(() => emfLine(metrics(101), {}, NOW_MS)).to.throw(MetricsError, /at most 100 metrics/);
    expect(() => emfLine(metrics(1), dimensions(31), NOW_MS)).to.throw(MetricsError, /at most 30 dimensions/);
  });
});

describe("emitting metrics", () => {
  let lines: string[];
  let restore: () => void;
  beforeEach(() => {
    lines = [];
    restore = captureLogSink((line) => lines.push(line));
  });
  afterEach(() => restore());

  it("writes one line per metric set through the log sink", () => {
    emitMetrics({ ConnectionsOpened: count() }, { Stage: "dev" }, NOW_MS);
    emitMetrics({ ConnectionsClosed: count(2) }, { Stage: "dev", Reason: "client" }, NOW_MS);
    expect(lines).to.have.length(2);
    const [opened, closed] = lines.map((line) => parseEmf(`${line}\n`));
    expect(opened?.ConnectionsOpened).to.equal(1);
    expect(closed?.ConnectionsClosed).to.equal(2);
    expect(closed?.Reason).to.equal("client");
  });

  it("writes nothing when no value is a finite number", () => {
    emitMetrics({ Broken: count(Number.NaN) }, {}, NOW_MS);
    expect(lines).to.deep.equal([]);
  });

  it("writes a set when any one value is a finite number, leaving out the others", () => {
    emitMetrics({ Broken: count(Number.NaN), Opened: count() }, {}, NOW_MS);
    expect(lines).to.have.length(1);
    expect(parseEmf(`${lines[0]}\n`)).to.not.have.property("Broken");
  });
});
