// shim: moved to ../read/readLaunchConfig (removed at integration)
export { readLaunchConfig } from '../read/readLaunchConfig';
