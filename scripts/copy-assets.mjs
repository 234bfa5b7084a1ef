// After tsc: files that modules read next to themselves at run time (the local chat page under
// src/transport/local-chat/page) are copied beside the compiled output, so dist/ runs on its own.
import { cpSync, lstatSync } from 'node:fs';

cpSync('src', 'dist/src', { recursive: true, filter: (p) => lstatSync(p).isDirectory() || !p.endsWith('.ts') });
