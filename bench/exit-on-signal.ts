/**
 * Preloaded (`node -r`) into the server when the bench profiles it: SIGUSR2 ends the process with
 * `process.exit(0)`, an orderly exit after which `node --cpu-prof` writes its profile. (SIGTERM goes
 * through Nest's shutdown hooks, which re-raise the signal, and a signal death writes no profile.)
 */
process.once('SIGUSR2', () => process.exit(0));
