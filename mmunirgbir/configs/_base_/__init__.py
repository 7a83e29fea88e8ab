# Copyright (c) mmunirgbir contributors. All rights reserved.
