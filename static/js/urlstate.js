// The setup lives in the page's query string, so a shared link reproduces the same run:
// the same config, seed included, gives bit-identical numbers (the engine is deterministic).
//
// Keys are the config's own field names, e.g.
//   /?dataset=xor&hidden_layers=3&activation=tanh&learning_rate=1&batch_size=full&seed=2
// Lists are comma-separated, the full batch is "full". Parsing is forgiving (unknown keys are
// ignored, bad values dropped): the server validates the config anyway and says what is wrong.

const FIELDS = {
  dataset: "string",
  n_samples: "int",
  noise: "number",
  train_fraction: "number",
  hidden_layers: "intlist",
  activation: "activation",
  output_activation: "string",
  loss: "string",
  init: "string",
  learning_rate: "number",
  batch_size: "batch",
  seed: "int",
  optimizer: "string",
  l2: "number",
};

/** The config as URL parameters (every field, so that changed server defaults cannot drift). */
export function configToSearch(config) {
  const params = new URLSearchParams();
  for (const key of Object.keys(FIELDS)) {
    const value = config[key];
    if (value === undefined) continue;
    if (key === "batch_size") params.set(key, value === null ? "full" : String(value));
    else if (Array.isArray(value)) params.set(key, value.join(","));
    else if (value !== null) params.set(key, String(value));
  }
  return `?${params.toString()}`;
}

/** A (partial) config from a query string, or null when it holds no setup at all. */
export function searchToConfig(search) {
  const params = new URLSearchParams(search);
  const config = {};
  for (const [key, kind] of Object.entries(FIELDS)) {
    if (!params.has(key)) continue;
    const value = parse(kind, params.get(key));
    if (value !== undefined) config[key] = value;
  }
  return Object.keys(config).length ? config : null;
}

function parse(kind, text) {
  switch (kind) {
    case "string":
      return text || undefined;
    case "int": {
      const n = Number(text);
      return text !== "" && Number.isInteger(n) ? n : undefined;
    }
    case "number": {
      const n = Number(text);
      return text !== "" && Number.isFinite(n) ? n : undefined;
    }
    case "intlist": {
      if (text.trim() === "") return []; // no hidden layer: logistic regression
      const list = text.split(",").map(Number);
      return list.every((n) => Number.isInteger(n) && n > 0) ? list : undefined;
    }
    case "activation": {
      const list = text.split(",").filter(Boolean);
      if (!list.length) return undefined;
      return list.length === 1 ? list[0] : list;
    }
    case "batch":
      if (text === "full") return null;
      return parse("int", text);
    default:
      return undefined;
  }
}

let written = null;

/** Keep the address bar in step with the running config (replaceState: no history spam). */
export function writeConfig(config) {
  const search = configToSearch(config);
  if (search === written || search === location.search) {
    written = search;
    return;
  }
  written = search;
  history.replaceState(history.state, "", `${location.pathname}${search}${location.hash}`);
}

/** The link to share: this page with the current setup. */
export function shareUrl(config) {
  return `${location.origin}${location.pathname}${configToSearch(config)}`;
}
