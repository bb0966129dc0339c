// Shared esbuild settings for services and TypeScript tools.
// NOTE: esbuild cannot emit `emitDecoratorMetadata`, which NestJS dependency injection relies on, so every
// TypeScript file is transformed by SWC (legacy decorators + metadata) and esbuild only resolves the
// tsconfig path aliases and bundles. npm packages stay external and are loaded from node_modules.
import { readFile } from 'node:fs/promises';
import { transform } from '@swc/core';

const swcDecoratorsPlugin = {
  name: 'swc-decorators',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const output = await transform(source, {
        filename: args.path,
        sourceMaps: 'inline',
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'es6' },
      });
      return { contents: output.code, loader: 'js' };
    });
  },
};

// npm packages stay external (loaded from node_modules at run time); our `@attendance/*` aliases are bundled.
const externalPackagesPlugin = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@attendance/') ? undefined : { path: args.path, external: true },
    );
  },
};

export function esbuildOptions({ entryPoints, outfile, outdir }) {
  return {
    entryPoints,
    outfile,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    keepNames: true,
    logLevel: 'warning',
    tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname,
    plugins: [externalPackagesPlugin, swcDecoratorsPlugin],
  };
}
