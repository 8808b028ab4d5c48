/**
 * NestJS 12 ships its packages as ES modules. Node itself can require() them (20.19+, 22.12+, 24),
 * but Jest's own module loader cannot: on Node 20 not at all, on Node 24 only with Node's
 * experimental `--experimental-vm-modules` flag (checked on 24.22: without it, "Must use import to
 * load ES Module"). So those packages are compiled to CommonJS by SWC together with our TypeScript
 * sources, which works the same on every supported Node. Everything else in node_modules is left alone.
 */
const esmPackages = ['@nestjs', '@fastify', 'fastify', 'content-disposition'].join('|');

const base = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages})/)`],
};

module.exports = {
  // Read from the top level only (not per project); e2e suites boot apps, processes and databases.
  testTimeout: 120000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    // Real server processes killed, cut off and fuzzed on MariaDB: `npm run test:reliability` only
    // (`npm test` selects unit and e2e). Sizes: test/reliability/reliability-settings.ts.
    {
      ...base,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.rel-spec.ts'],
      globalSetup: '<rootDir>/test/reliability/global-setup.ts',
    },
    // Three app processes on a 3-node MariaDB Galera cluster: `npm run test:cluster` only (it starts
    // the cluster on ports 3307-3309 and stops it afterwards).
    {
      ...base,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'],
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
    },
  ],
};
