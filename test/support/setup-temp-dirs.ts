/** Registered as a vitest setup file: each test file removes the scratch directories it made. */
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir.js';

afterAll(() => removeTempDirs());
