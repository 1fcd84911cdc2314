/**
 * The one fact the LLM simulator and the LLM client share: the response
 * header the simulator marks its answers with, so output can say which
 * endpoint answered. Kept here so neither imports the other.
 */
export const SIM_HEADER = 'x-rvbbit-simulator';
