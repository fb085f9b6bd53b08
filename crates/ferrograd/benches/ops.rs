//! `cargo bench -p ferrograd`: matmul (square and the MNIST MLP's shapes with the
//! transposed products backward needs), elementwise ops, sum and softmax.
//! Build is release; compare runs on this shared machine as ratios, not absolutes.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrograd::{random, Tensor};
use std::hint::black_box;
use std::time::Duration;

fn randn(shape: &[usize]) -> Tensor {
    random::randn(shape).expect("bench tensor")
}

fn matmul(c: &mut Criterion) {
    let mut g = c.benchmark_group("matmul_square");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for n in [64usize, 128, 256, 512, 1024, 2048] {
        let (a, b) = (randn(&[n, n]), randn(&[n, n]));
        g.throughput(Throughput::Elements((2 * n * n * n) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |bench, _| {
            bench.iter(|| black_box(a.matmul(&b).expect("matmul")))
        });
    }
    g.finish();

    // The MNIST MLP's first layer: forward X W^T, and backward's X^T G and G W.
    let mut g = c.benchmark_group("matmul_mlp");
    g.sample_size(20);
    let (x, w, grad) = (randn(&[64, 784]), randn(&[128, 784]), randn(&[64, 128]));
    let flops = (2 * 64 * 784 * 128) as u64;
    g.throughput(Throughput::Elements(flops));
    g.bench_function("forward x@w^T 64x784 784x128", |b| {
        b.iter(|| black_box(x.matmul(&w.t().expect("t")).expect("mm")))
    });
    g.bench_function("backward g^T@x 128x64 64x784", |b| {
        b.iter(|| black_box(grad.t().expect("t").matmul(&x).expect("mm")))
    });
    g.bench_function("backward g@w 64x128 128x784", |b| {
        b.iter(|| black_box(grad.matmul(&w).expect("mm")))
    });
    g.finish();
}

fn elementwise(c: &mut Criterion) {
    let mut g = c.benchmark_group("elementwise");
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    for n in [1_000usize, 100_000, 1_000_000, 10_000_000] {
        let (a, b) = (randn(&[n]), randn(&[n]));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("add", n), &n, |bench, _| {
            bench.iter(|| black_box(a.add(&b).expect("add")))
        });
        g.bench_with_input(BenchmarkId::new("mul", n), &n, |bench, _| {
            bench.iter(|| black_box(a.mul(&b).expect("mul")))
        });
        g.bench_with_input(BenchmarkId::new("exp", n), &n, |bench, _| {
            bench.iter(|| black_box(a.exp().expect("exp")))
        });
        g.bench_with_input(BenchmarkId::new("relu", n), &n, |bench, _| {
            bench.iter(|| black_box(a.relu().expect("relu")))
        });
    }
    g.finish();
}

fn rows(c: &mut Criterion) {
    let mut g = c.benchmark_group("rows");
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    for (r, n) in [(64usize, 10usize), (1_000, 1_000), (10_000, 1_000)] {
        let x = randn(&[r, n]);
        g.throughput(Throughput::Elements((r * n) as u64));
        g.bench_with_input(
            BenchmarkId::new("sum_last", format!("{r}x{n}")),
            &r,
            |bench, _| bench.iter(|| black_box(x.sum(Some(&[-1]), false).expect("sum"))),
        );
        g.bench_with_input(
            BenchmarkId::new("softmax_last", format!("{r}x{n}")),
            &r,
            |bench, _| bench.iter(|| black_box(x.softmax(-1).expect("softmax"))),
        );
    }
    g.finish();
}

criterion_group!(benches, matmul, elementwise, rows);
criterion_main!(benches);
