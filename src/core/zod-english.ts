// zod/mini speaks no language until told: its messages (which reach the user, e.g. in "unexpected shape" errors)
// are the English ones the full zod package sets up. Imported by every module that builds a schema.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
