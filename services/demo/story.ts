/**
 * @module services/demo/story
 * A user story of the demo and what it reports: a title, lines for the reader, and whether it
 * fully worked. A story that cannot run on this deployment says so instead of pretending.
 */

/** The outcome of one story. */
export interface StoryReport {
  title: string;
  lines: string[];
  /** `ok`: ran and every check held; `failed`: ran and something was wrong or errored. */
  status: 'ok' | 'failed';
}

/** Runs `body`, turning a thrown error into a failed report that names it. */
export async function runStory(title: string, body: (say: (line: string) => void) => Promise<void>, echo: (line: string) => void): Promise<StoryReport> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    echo(`  ${line}`);
  };
  echo(`\n== ${title}`);
  try {
    await body(say);
    return { title, lines, status: 'ok' };
  } catch (err) {
    say(`FAILED: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return { title, lines, status: 'failed' };
  }
}
