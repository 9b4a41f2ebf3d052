import Module, { createRequire } from 'node:module';

type Mjml2Html = (input: string | object, options: object) => Promise<{ html: string; errors: unknown[] }>;

/**
 * What mjml-core requires when it is loaded but calls only for features a template may not use:
 * juice to inline `<mj-style inline="inline">`, cheerio for `<mj-html-attributes>`, htmlnano and
 * cssnano's lite preset for the `minify` option, js-beautify for `beautify`. Loading the first three
 * (with parse5, undici, css-tree ...) was ~250 ms of the start of every build, on the thread that
 * makes the emails, for templates that use none of them; the last two (73 modules) ~25 ms more.
 *
 * mjml-core uses each as a function or through a property, never as `__esModule`, but for the
 * preset, which it hands to cssnano, which calls it. Each one's list: the functions mjml-core takes
 * out of it as it loads (formatHtml.js reads js-beautify's `html` into a variable), handed over as
 * stand-ins of their own.
 */
const DEFERRED = new Map<string, readonly string[]>([
  ['juice', []],
  ['cheerio', []],
  ['htmlnano', []],
  ['cssnano-preset-lite', []],
  ['js-beautify', ['html']],
]);

interface CjsLoader {
  _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown;
}

let mjml2html: Mjml2Html | undefined;

/**
 * The `mjml` package (its components registered in the mjml-core it uses), loaded once, with
 * mjml-core's optional dependencies loaded only when it first uses one.
 *
 * By hand, as no library defers the requires a dependency makes of its own: while `mjml` loads,
 * Node's CommonJS loader hands each of DEFERRED, required from a file of mjml-core, a stand-in that
 * loads the module on its first use and then acts as it (a call, `new`, a property read, written,
 * deleted or tested with `in`). `__tests__/mjml-loader.test.ts` renders with every feature that
 * needs one, checks the stand-ins stay unloaded otherwise, and that mjml-core uses them only in
 * those ways.
 */
export function loadMjml(): Mjml2Html {
  if (mjml2html) return mjml2html;
  const loader = Module as unknown as CjsLoader;
  const load = loader._load;
  loader._load = function deferringLoad(request, parent, isMain) {
    const takenAtLoad = DEFERRED.get(request);
    if (!takenAtLoad || !isMjmlCore(parent?.filename)) return load.call(this, request, parent, isMain);
    let real: object | undefined;
    const loaded = () => (real ??= load.call(this, request, parent, isMain) as object);
    // What cannot be forwarded without breaking a Proxy invariant (the stand-in's own keys are a
    // function's, not the module's) throws, rather than answering for the wrong object.
    const unforwarded = (operation: string) => () => {
      throw new Error(
        `mjml-loader: mjml-core used ${request} by ${operation}, which its stand-in cannot forward: remove ${request} from DEFERRED in src/render/email/mjml-loader.ts`,
      );
    };
    return new Proxy(function standIn() {}, {
      apply: (_target, self, args) => Reflect.apply(loaded() as () => unknown, self, args),
      construct: (_target, args, newTarget) =>
        Reflect.construct(loaded() as new () => object, args, newTarget),
      get: (_target, key) => {
        if (key === '__esModule') return undefined;
        if (!takenAtLoad.includes(key as string)) return Reflect.get(loaded(), key);
        return (...args: unknown[]) =>
          Reflect.apply(Reflect.get(loaded(), key) as (...a: unknown[]) => unknown, loaded(), args);
      },
      set: (_target, key, value) => Reflect.set(loaded(), key, value),
      has: (_target, key) => Reflect.has(loaded(), key),
      deleteProperty: (_target, key) => Reflect.deleteProperty(loaded(), key),
      ownKeys: unforwarded('listing its keys'),
      getOwnPropertyDescriptor: unforwarded('reading a property descriptor'),
      defineProperty: unforwarded('defining a property'),
    });
  };
  try {
    mjml2html = createRequire(import.meta.url)('mjml') as Mjml2Html;
  } finally {
    loader._load = load;
  }
  return mjml2html;
}

function isMjmlCore(file: string | undefined): boolean {
  return file !== undefined && /[\\/]node_modules[\\/]mjml-core[\\/]/.test(file);
}

let fromMjmlCore: NodeJS.Require | undefined;

/**
 * `request` as a file of the mjml-core that `mjml` uses requires it: `./index` is mjml-core itself
 * (where loading `mjml` registered its components), `./helpers/...` its helpers, a bare name one of its
 * own dependencies (mjml-parser-xml). Loads `mjml` first.
 */
export function requireFromMjmlCore(request: string): unknown {
  loadMjml();
  fromMjmlCore ??= createRequire(
    createRequire(createRequire(import.meta.url).resolve('mjml')).resolve('mjml-core'),
  );
  return fromMjmlCore(request);
}

/** A module of mjml-core's written with `export default` and compiled to CommonJS, or as itself. */
export function defaultExport<T>(loaded: unknown): T {
  return typeof loaded === 'function' ? (loaded as T) : (loaded as { default: T }).default;
}
