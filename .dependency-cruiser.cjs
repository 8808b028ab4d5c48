/**
 * Import boundaries between the modules of `src/`, checked by `npm run lint` (dependency-cruiser).
 * The folder tree is the architecture: these rules keep it so.
 */
module.exports = {
  forbidden: [
    {
      name: 'idempotency-is-standalone',
      comment: 'src/idempotency/ could be published on its own: it imports nothing of the application.',
      severity: 'error',
      from: { path: '^src/idempotency/' },
      to: { path: '^src/', pathNot: '^src/idempotency/' },
    },
    {
      name: 'idempotency-through-its-barrel',
      comment: 'The application uses the idempotency module only through its public surface, src/idempotency/index.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(idempotency|database/migrations)/' },
      to: { path: '^src/idempotency/', pathNot: '^src/idempotency/index\\.ts$' },
    },
    {
      name: 'migrations-take-the-key-table',
      comment: 'Migrations may also take the key table definition directly (a migration is never edited afterwards).',
      severity: 'error',
      from: { path: '^src/database/migrations/' },
      to: { path: '^src/idempotency/', pathNot: '^src/idempotency/(index|idempotency-keys\\.table)\\.ts$' },
    },
    {
      name: 'database-knows-no-feature',
      comment: 'src/database/ is wiring: entities are registered by their own modules (TypeOrmModule.forFeature).',
      severity: 'error',
      from: { path: '^src/database/', pathNot: '^src/database/migrations/' },
      to: { path: '^src/(payments|auth|observability|health)/' },
    },
    {
      name: 'common-knows-no-feature',
      comment: 'src/common/ serves every module and depends on none of the features.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/(payments|auth|observability|health)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes providers undefined at import time.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.spec\\.ts$|\\.contract\\.ts$' },
  },
};
