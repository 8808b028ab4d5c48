import { GaleraCluster } from '../../scripts/galera-cluster';

/**
 * The cluster suites need the 3-node cluster that `npm run test:cluster` brings up (and takes
 * down afterwards). Run alone, they fail here with the command to use, never skip.
 */
export default async function globalSetup(): Promise<void> {
  const cluster = new GaleraCluster(undefined, () => undefined);
  const statuses = await Promise.all(cluster.nodes.map((node) => cluster.status(node)));
  const notSynced = statuses.map((s, i) => ({ s, i })).filter(({ s }) => s.state !== 'Synced' || s.clusterSize !== cluster.nodes.length);
  if (notSynced.length) {
    throw new Error(
      `the Galera test cluster is not up (${notSynced.map(({ s, i }) => `node ${i + 1}: ${s.state}`).join(', ')}); ` +
        'run the cluster suites with `npm run test:cluster`, which starts it and stops it',
    );
  }
}
