// Placeholder demo until the grammar and engine land.
console.log('rvbbit: demo');
