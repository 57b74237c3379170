// shim: moved to ../edits/planFlagEdit (removed at integration)
export { applyEdits, planFlagEdit } from '../edits/planFlagEdit';
