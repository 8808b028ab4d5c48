import { ConfigurationError } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';

describe('dataSourceOptions for a MySQL/MariaDB DATABASE_URL', () => {
  it('connects over TCP to the host and port of the URL', () => {
    const options = dataSourceOptions('mysql://app:s%40cret@db.internal:3307/payments') as unknown as Record<string, unknown>;
    expect(options).toMatchObject({ type: 'mysql', host: 'db.internal', port: 3307, username: 'app', password: 's@cret', database: 'payments' });
    expect(options.socketPath).toBeUndefined();
  });

  it('connects over the Unix socket named by ?socket=', () => {
    const options = dataSourceOptions('mysql://root@localhost/payments?socket=/run/mysqld/mysqld.sock') as unknown as Record<string, unknown>;
    expect(options).toMatchObject({ type: 'mysql', socketPath: '/run/mysqld/mysqld.sock', database: 'payments', username: 'root' });
  });

  it('decodes an escaped socket path', () => {
    const options = dataSourceOptions('mariadb://root@localhost/payments?socket=%2Fvar%2Frun%2Fmy%20sql.sock') as unknown as Record<string, unknown>;
    expect(options.socketPath).toBe('/var/run/my sql.sock');
  });

  it.each([
    ['mysql://root@localhost/payments?socket=', 'absolute path'],
    ['mysql://root@localhost/payments?socket=run/mysqld.sock', 'absolute path'],
    ['mysql://root@localhost/payments?sockt=/run/mysqld/mysqld.sock', 'unknown parameter "sockt"'],
  ])('refuses %s, naming DATABASE_URL', (url, problem) => {
    let caught: unknown;
    try {
      dataSourceOptions(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).variable).toBe('DATABASE_URL');
    expect((caught as Error).message).toContain(problem);
  });
});
