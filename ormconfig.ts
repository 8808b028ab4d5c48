import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfig } from './src/config/app-config';
import { dataSourceOptions } from './src/database/data-source-options';

/** The DataSource of the TypeORM CLI (`npm run migration:run`), from the same DATABASE_URL as the server. */
export default new DataSource(dataSourceOptions(loadAppConfig().databaseUrl));
